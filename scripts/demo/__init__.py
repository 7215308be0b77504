"""The deterministic demo batch simulator."""
