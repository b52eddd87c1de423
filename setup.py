"""Only what setup.cfg cannot say; the metadata lives in setup.cfg.

`packages = find:` in setup.cfg cannot name a package that lives outside normalizer/, and
the bundled vendor profiles do: vendor_profiles/ is installed as normalizer.vendor_profiles
(setup.cfg's package_dir maps it). So the package list is built here: every package under
normalizer/ (a new subpackage ships without editing anything), plus that one.
"""

import pathlib

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).resolve().parent

setup(packages=[*find_packages(where=str(HERE), include=["normalizer", "normalizer.*"]), "normalizer.vendor_profiles"])
