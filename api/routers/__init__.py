"""HTTP routers, one module per resource; thin: parse, call, serialise."""
