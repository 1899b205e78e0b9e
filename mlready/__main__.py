from mlready.cli import main

main()
