# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection version, sent in every User-Agent. Kept equal to galaxy.yml by a unit test."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

COLLECTION_VERSION = "0.2.0"
USER_AGENT = "berth.platform/%s" % COLLECTION_VERSION
