"""All numba-jitted code of netaval. Kernels take and return arrays and scalars only.

They never validate input and never build Python objects; problems are reported as
status codes that the public wrappers turn into exceptions.
"""
