"""Builds the service images with Debian's podman and checks that they run.

    uv run --frozen python tools/images.py base             the base image (cached)
    uv run --frozen python tools/images.py build [NAME ...] base + service images
    uv run --frozen python tools/images.py check            build all, run each on a local broker

No Docker engine and no image registry are needed. The base image is Debian bookworm with
python3 made by debootstrap from Debian's packages and `podman import`ed (made once, then
reused while its recipe is unchanged: the recipe's hash is in its tag). Each service image is
built from deploy/image/Dockerfile with SERVICE set, from a context prepared here: the
service's third-party dependencies pinned with hashes from uv.lock (`uv export`) and downloaded
as wheels on this host, plus wheels of the service and its workspace libraries (`uv build`), so
the build itself needs no network. `check` starts a Kafka broker (servicehub_localinfra), serves
podman's Docker API, and starts every image through testcontainers on the host network until
gRPC health says SERVING; then stops and removes every container, the API service and the
broker. Needs root (debootstrap, rootful podman) and `apt-get install podman runc debootstrap`.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "libs/localinfra/src"))

from servicehub_localinfra.containers import (  # noqa: E402
    LABEL,
    ServiceContainer,
    image_name,
    podman_docker_api,
    podman_env,
)
from servicehub_localinfra.kafka import LocalKafka  # noqa: E402
from servicehub_localinfra.services import SERVICES  # noqa: E402
from servicehub_localinfra.tokens import TokenIssuer  # noqa: E402

DOCKERFILE = ROOT / "deploy/image/Dockerfile"
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("python3", "python3-venv")  # python3-venv: ensurepip, so the venv has pip
BASE_PYTHON = "3.11"  # what bookworm's python3 is, for the wheels downloaded for it
BASE_GLIBC = 36  # bookworm's glibc is 2.36
BASE_REPOSITORY = "localhost/servicehub-base"
PIP_VERSION = "26.3"  # pip downloads the wheels (uv has no download command)
TOOLS = {"podman": "podman", "runc": "runc", "debootstrap": "debootstrap"}


def base_image() -> str:
    recipe = f"{SUITE} {MIRROR} minbase {','.join(BASE_PACKAGES)}"
    return f"{BASE_REPOSITORY}:{SUITE}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def podman(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", *args], env=podman_env(), check=check, **kwargs)


def require_tools() -> None:
    missing = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        sys.exit(f"images: missing tools; apt-get install {' '.join(missing)}")
    if os.geteuid() != 0:
        sys.exit("images: needs root (debootstrap makes the base image; podman runs rootful here)")


def ensure_base() -> str:
    """Makes the base image unless it exists; returns its name."""
    image = base_image()
    if podman("image", "exists", image, check=False).returncode == 0:
        print(f"base image {image}: cached", flush=True)
        return image
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="servicehub-rootfs-", dir="/var/tmp") as work:
        rootfs = Path(work) / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                SUITE,
                str(rootfs),
                MIRROR,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # The package cache and lists are only needed to install more; the images install none.
        for folder in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (rootfs / folder).glob("*"):
                if item.is_file():
                    item.unlink()
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        podman(
            "import",
            "--quiet",
            "--change",
            'CMD ["python3"]',
            "-",
            image,
            stdin=tar.stdout,
            stdout=subprocess.DEVNULL,
        )
        if tar.wait() != 0:
            sys.exit("images: tar of the base rootfs failed")
    print(f"base image {image}: made in {time.monotonic() - started:.0f}s", flush=True)
    return image


def manylinux_tags() -> list[str]:
    """Every manylinux platform tag bookworm's glibc runs (pip takes only the tags it is given)."""
    arch = platform.machine()
    legacy = [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    return [f"manylinux_2_{minor}_{arch}" for minor in range(BASE_GLIBC, 4, -1)] + legacy


def workspace_members(service: str) -> list[str]:
    """Folders of the workspace members the service's distribution needs (itself included)."""
    exported = subprocess.run(
        [
            "uv",
            "export",
            "--frozen",
            "--package",
            f"servicehub-{service}",
            "--no-dev",
            "--no-hashes",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        line.removeprefix("-e ./") for line in exported.splitlines() if line.startswith("-e ./")
    ]


def prepare_context(service: str, context: Path) -> None:
    requirements = context / "requirements.txt"
    subprocess.run(
        [
            "uv",
            "export",
            "--frozen",
            "--package",
            f"servicehub-{service}",
            "--no-dev",
            "--no-emit-workspace",
            "--quiet",
            "-o",
            str(requirements),
        ],
        cwd=ROOT,
        check=True,
    )
    # Wheels for the base image's Python and glibc, whatever this host runs; podman builds for
    # this host's architecture. The hashes come from uv.lock.
    subprocess.run(
        [
            "uvx",
            f"pip@{PIP_VERSION}",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            BASE_PYTHON,
            "--implementation",
            "cp",
            *(f"--platform={tag}" for tag in manylinux_tags()),
            "--require-hashes",
            "-r",
            str(requirements),
            "-d",
            str(context / "wheelhouse"),
        ],
        check=True,
    )
    (context / "workspace").mkdir()
    for member in workspace_members(service):
        shutil.copy(workspace_wheel(member), context / "workspace")


@functools.cache
def workspace_wheel(member: str) -> Path:
    """Builds the member's wheel once per run (several services share the libraries)."""
    out = ROOT / "var" / "image-context" / "wheels" / member
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(
        ["uv", "build", "--quiet", "--wheel", "-o", str(out), member], cwd=ROOT, check=True
    )
    [wheel] = out.glob("*.whl")
    return wheel


def build(service: str, base: str) -> None:
    started = time.monotonic()
    # A fixed context folder: buildah's layer cache misses when the context path changes.
    context = ROOT / "var" / "image-context" / "services" / service
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    prepare_context(service, context)
    prepared = time.monotonic()
    image = image_name(service)
    previous = image_id(image)
    podman(
        "build",
        "--quiet",
        "--network",
        "none",
        "--file",
        str(DOCKERFILE),
        "--build-arg",
        f"BASE_IMAGE={base}",
        "--build-arg",
        f"SERVICE={service}",
        "--tag",
        image,
        str(context),
        stdout=subprocess.DEVNULL,
    )
    if previous and previous != image_id(image):
        # The image this one replaced, untagged now; kept only while a container uses it.
        podman("rmi", previous, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = time.monotonic()
    print(
        f"image {image}: context {prepared - started:.0f}s, podman build {done - prepared:.0f}s",
        flush=True,
    )


def image_id(image: str) -> str | None:
    found = podman(
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        image,
        check=False,
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() if found.returncode == 0 else None


def labelled_containers() -> list[str]:
    return podman(
        "ps", "--all", "--quiet", "--filter", f"label={LABEL}", capture_output=True, text=True
    ).stdout.split()


def check(services: list[str]) -> None:
    """Runs each image on a local broker until SERVING; leaves nothing running."""
    stale = labelled_containers()
    if stale:  # left by a run that was killed before it could clean up
        print(f"removing containers of an earlier run: {stale}", flush=True)
        podman("rm", "--force", *stale, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="servicehub-image-check-") as work:
        started = time.monotonic()
        with LocalKafka(Path(work) / "kafka") as kafka, podman_docker_api() as docker_host:
            print(f"broker and podman API up in {time.monotonic() - started:.0f}s", flush=True)
            # The images run as they would in production: with token checks on.
            auth = Path(work) / "auth"
            auth.mkdir()
            auth_env = TokenIssuer().env(auth)
            for path in (auth, *auth.iterdir()):  # readable by the image's non-root user
                path.chmod(0o755 if path.is_dir() else 0o644)
            Path(work).chmod(0o755)
            containers = [
                ServiceContainer(
                    name,
                    bootstrap_servers=kafka.bootstrap_servers,
                    docker_host=docker_host,
                    extra_env=auth_env,
                    read_only_mounts={str(auth): str(auth)},
                )
                for name in services
            ]
            try:
                for container in containers:
                    begun = time.monotonic()
                    container.start().wait_serving()
                    print(
                        f"container {container.name}: SERVING in {time.monotonic() - begun:.1f}s",
                        flush=True,
                    )
                    check_metrics(container)
            finally:
                stopping = time.monotonic()
                exit_codes = {container.name: container.stop() for container in containers}
                print(
                    f"containers stopped and removed in {time.monotonic() - stopping:.1f}s",
                    flush=True,
                )
    failed = {name: code for name, code in exit_codes.items() if code not in (None, 0)}
    leftovers = labelled_containers()
    if failed or leftovers:
        sys.exit(f"images: exit codes on SIGTERM {failed}; containers left behind {leftovers}")


def check_metrics(container: ServiceContainer) -> None:
    """The metrics port answers with servicehub's own metrics."""
    url = f"http://127.0.0.1:{container.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read().decode()
    if "servicehub_" not in body:
        sys.exit(f"images: {url} of {container.name} has no servicehub_ metrics")


def main() -> None:
    parser = argparse.ArgumentParser(prog="tools/images.py")
    parser.add_argument("command", choices=("base", "build", "check"))
    parser.add_argument("services", nargs="*", help=f"default: all of {', '.join(SERVICES)}")
    args = parser.parse_args()
    unknown = set(args.services) - set(SERVICES)
    if unknown:
        parser.error(f"unknown services {sorted(unknown)}; choose from {', '.join(SERVICES)}")
    args.services = args.services or list(SERVICES)
    require_tools()
    started = time.monotonic()
    base = ensure_base()
    if args.command in ("build", "check"):
        for service in args.services:
            build(service, base)
    if args.command == "check":
        check(args.services)
    print(f"images {args.command}: {time.monotonic() - started:.0f}s in all")


if __name__ == "__main__":
    main()
