# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor: the API v2.0 client with typed errors, and the resource adapters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
