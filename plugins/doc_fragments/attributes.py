# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes of every module that only reads (the *_info modules, policy_check).
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: Runs the same in check mode (it only reads).
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
"""
