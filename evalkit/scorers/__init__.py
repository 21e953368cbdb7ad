"""Built-in scorers, one family per module, registered by name in :data:`evalkit.scoring.SCORERS`."""
