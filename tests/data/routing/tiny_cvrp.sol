Route #1: 3 4
Route #2: 5 1 2
Cost 60
