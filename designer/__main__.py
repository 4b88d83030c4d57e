from designer.cli import main

# Guarded: the curve worker is a spawned process, which imports this module as __mp_main__.
if __name__ == "__main__":
    raise SystemExit(main())
