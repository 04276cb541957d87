"""Parts shared by every model family."""
