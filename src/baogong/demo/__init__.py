"""The main job: a lockdown day on the sample city (`baogong demo`)."""
