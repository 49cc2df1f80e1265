# The command lives with the other account commands; this app only puts it ahead of Django's.
from accounts.management.commands.changepassword import Command  # noqa: F401
