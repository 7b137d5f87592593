"""Detection: presence model, stranger clustering, violation rules, alert merging."""

from anju_platform.detect.native import guard

# Before any submodule loads: a stale compiled build (detect/native.py) is bypassed.
guard()
