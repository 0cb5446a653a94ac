from superspec.cli.main import main

main()
