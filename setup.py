"""Package list only (the rest is in pyproject.toml): find_packages cannot see templates/, which
ships as the package symbp.templates through the package-dir mapping in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["symbp", "symbp.*"]) + ["symbp.templates"])
