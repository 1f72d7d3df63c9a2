"""minisnn: a NumPy-only, from-scratch library for learning spiking neural networks."""

__version__ = "0.1.0"
