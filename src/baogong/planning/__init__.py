"""Planning: load a snapshot from the database, run the optimiser, store the plan."""
