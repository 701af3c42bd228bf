"""``python -m generator``: the ``buurtkaart`` command where its script is not on PATH."""

from generator.cli import main

if __name__ == "__main__":
    main(prog_name="buurtkaart")
