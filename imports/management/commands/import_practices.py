from imports.command import ImportCommand


class Command(ImportCommand):
    kind = "practices"
