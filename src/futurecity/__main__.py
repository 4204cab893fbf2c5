from futurecity.cli import main

raise SystemExit(main())
