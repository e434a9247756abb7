"""Stand-in for the get-pip.py that ``ansible-test --venv`` downloads from Ansible's CI file host.

That host is not reachable from these build machines; PyPI is. ansible-test runs
this file (from ~/.ansible/test/cache/get_pip_<version>.py, where the Makefile
puts it) inside a fresh venv with pip-install arguments such as
``pip==24.2 --no-setuptools --no-wheel``. It bootstraps pip from the Python
standard library, then lets that pip install the requested version from PyPI.
"""

import subprocess
import sys

GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")

if __name__ == "__main__":
    # In a child process: ensurepip hides pip's config files (CA bundle, mirrors)
    # from the process that calls it, and the install below needs them.
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
    args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
