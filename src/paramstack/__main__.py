from paramstack.cli.main import app

app()
