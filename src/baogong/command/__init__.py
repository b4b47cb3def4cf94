"""The command centre: pages, API and jobs that read or drive several domains at once."""
