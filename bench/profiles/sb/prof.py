"""bench/framework_cost.py run --profile DIR, each endpoint's full cProfile stats also
dumped (DIR/ENDPOINT.prof) for pstats queries:
    python bench/profiles/sb/prof.py run --state S --cpu-profile --profile DIR --endpoints ..."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from bench import framework_cost  # noqa: E402

_write = framework_cost.write_profile


def write_profile(profiler, path: Path) -> None:
    _write(profiler, path)
    profiler.dump_stats(str(path.with_suffix(".prof")))


framework_cost.write_profile = write_profile
sys.argv[0] = framework_cost.__file__
framework_cost.main()
