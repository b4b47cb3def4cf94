"""Pure optimisation cores: plain data in, plain data out; no database, web or Excel imports."""
