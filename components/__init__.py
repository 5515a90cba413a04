"""One ComponentResource per concept of the platform."""
