"""Sub-commands of ``lantian``; each module defines ``register(subparsers)``."""
