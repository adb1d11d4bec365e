"""The certification rules as pure functions over versioned data files (README.md, "Rules").

- :mod:`.social_credit_code` — the business licence's unified social credit code (GB 32100-2015).
- :mod:`.eligibility` — steps 1–2: who may apply, with every reason a partner may not.
- :mod:`.criteria` — step 3: the criteria table per version, and an application's completeness.
- :mod:`.recertification` — the minimum standards a certified partner must meet each year.

Pure: no clock reads, no I/O beyond reading the shipped data files when asked to.
"""

from pathlib import Path

DATA = Path(__file__).parent / "data"
