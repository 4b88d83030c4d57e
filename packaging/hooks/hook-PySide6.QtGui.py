"""PyInstaller's own QtGui hook, minus the Qt plugins `bundle_rules` leaves out.

Dropping a plugin here, before the binary dependency analysis, also keeps out the system
libraries only that plugin links (the GTK3 theme alone pulls in cairo, pango and gdk-pixbuf);
filtering the finished TOC in the spec would leave those behind. This file's name must stay
the module's name: add_qt6_dependencies derives "PySide6.QtGui" from it.
"""

import os
import sys

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bundle_rules import keep_qt_plugin

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(src, dest) for src, dest in binaries
            if keep_qt_plugin(os.path.join(dest, os.path.basename(src)))]
