"""What the packaged app leaves out, in one place (read by the spec and the Qt hooks).

A naive PyInstaller build of PySide6 + pyqtgraph + CPU torch is about 885 MB unpacked. Every
rule below drops something the designer never loads; `packaging/package_test.py` runs the
frozen app (CLI on every scheduler and optimizer, and the window) to prove the rest suffices.
Paths are destinations inside the bundle, with forward slashes.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

# Python packages the analysis drags in through optional imports but the app never runs:
# test frameworks (torch.testing and pyqtgraph import them lazily), other Qt bindings,
# notebook/plotting stacks, torch's TensorBoard writer (check-run reads event files with
# tensorboard's own reader, which is bundled), and Qt modules no code of ours or pyqtgraph
# imports.
EXCLUDED_MODULES = (
    "tkinter", "_tkinter", "IPython", "jupyter_rfb", "matplotlib", "pandas", "scipy",
    "h5py", "cupy", "torch.utils.tensorboard",
    "sqlite3",  # only torch.autograd.profiler's nvprof reader imports it, inside a function
    "hypothesis", "pytest", "_pytest", "pluggy", "setuptools", "pkg_resources", "pip",
    "PyQt5", "PyQt6", "PySide2",
    "pyqtgraph.opengl", "pyqtgraph.examples", "pyqtgraph.jupyter", "OpenGL",
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtPdf",
    "PySide6.QtMultimedia", "PySide6.QtSql", "PySide6.QtDesigner", "PySide6.QtHelp",
    "PySide6.QtUiTools", "PySide6.QtXml", "PySide6.Qt3DCore", "PySide6.QtCharts",
)

# Never excluded as "unused" even if a probe run misses them: the app itself.
ALWAYS_BUNDLED = ("designer",)


def unused_packages(imported: set[str], installed: set[str]) -> list[str]:
    """Installed third-party top-level packages the app never imports (`import_probe.py`).

    torch imports dozens of optional packages inside try/except, so PyInstaller would bundle
    whatever else the build environment holds (transformers, tokenizers, ...), and torch's
    own lazy dependencies (networkx, jinja2, fsspec, filelock) serve only torch.compile and
    distributed checkpoints. `installed` is importlib.metadata.packages_distributions().
    """
    used = {name.split(".")[0] for name in imported}
    return sorted(name for name in installed
                  if name.isidentifier() and name not in used and name not in ALWAYS_BUNDLED)


# Data files and binaries dropped by destination path.
EXCLUDED_FILES = (
    "torch/test/*",            # C++ unit-test executables (83 MB)
    "torch/bin/*",             # protoc, C++ test runners (50 MB); torch_shm_manager is kept below
    "torch/include/*",         # C/C++ headers for building extensions
    "torch/share/*",           # CMake config for building extensions
    "torch/lib/libjitbackend_test.*",
    "torch/lib/libtorchbind_test.*",
    "torch/lib/libbackend_with_compiler.*",
    "torch/lib/libaoti_custom_ops.*",
    "*.a", "*.lib", "*.pyi",   # static libraries, import libraries and type stubs
    # CUDA runtimes that ctypes lookups find on a build machine with CUDA: the CPU torch
    # build never loads them.
    "*libcuda*", "*libcublas*", "*libcudnn*", "*libnvrtc*", "*libnccl*", "*libamdhip64*",
    "*libhiprtc*",
    "PySide6/Qt/translations/*",  # the app installs no QTranslator; its UI is English only
    "PySide6/translations/*",     # Windows wheel layout of the same
)

# torch checks at import time that this file exists (torch/__init__.py, _manager_path).
KEPT_FILES = ("torch/bin/torch_shm_manager", "torch/bin/torch_shm_manager.exe")

# Libraries whose symbol tables and debug info `strip` removes after the build (Linux): 89 MB
# of libtorch_cpu's 434, 18 of libpython's 23. The dynamic symbols stay, so loading, dlsym and
# torch's error messages are unaffected. Not everything: strip corrupts libraries that
# auditwheel/patchelf rewrote (numpy's bundled OpenBLAS then fails with "ELF load command
# address/offset not page-aligned"), so only these, which the smoke test proves.
STRIPPED_LIBRARIES = (
    "torch/lib/libtorch_cpu.so", "torch/lib/libtorch_python.so", "torch/lib/libtorch.so",
    "torch/lib/libc10.so", "libpython3*.so*",
)

# Qt plugins by "category/file-stem" (lib prefix and suffix stripped, so the patterns work for
# .so, .dll and .dylib alike). Desktop platforms (xcb, wayland, windows, cocoa), offscreen (the
# smoke test and headless screenshots), input methods, the SVG icon engine and image plugin,
# platform themes that need nothing outside the bundle, and the Wayland client plugins stay.
EXCLUDED_QT_PLUGINS = (
    "egldeviceintegrations/*",  # embedded EGL full-screen (no window manager) targets
    "generic/*",                # evdev/tslib input for the embedded platforms
    "networkinformation/*", "tls/*", "networkaccess/*",  # the app never touches the network
    "sqldrivers/*", "printsupport/*", "qmltooling/*", "designer/*", "vectorimageformats/*",
    "platforms/qeglfs", "platforms/qlinuxfb", "platforms/qminimalegl", "platforms/qvnc",
    "platforms/qvkkhrdisplay", "platforms/qdirect2d",
    # GTK3 theme: links the build machine's GTK, which PyInstaller cannot bundle coherently
    # (and pulls cairo, pango, gdk-pixbuf in with it); the app draws with Fusion anyway.
    "platformthemes/qgtk3",
    "platforminputcontexts/qtvirtualkeyboardplugin",
    # Raster formats the app never reads: it only loads its SVG icon and writes PNG (built in).
    "imageformats/qpdf", "imageformats/qtiff", "imageformats/qwebp", "imageformats/qtga",
    "imageformats/qwbmp", "imageformats/qjpeg", "imageformats/qgif",
    "wayland-graphics-integration-server/*",
)


def _posix(path: str) -> str:
    return path.replace("\\", "/")


def plugin_key(dest: str) -> str | None:
    """'platforms/qxcb' for '.../Qt/plugins/platforms/libqxcb.so'; None if not a Qt plugin."""
    parts = _posix(dest).split("/")
    if "plugins" not in parts[:-2]:
        return None
    index = len(parts) - 1 - parts[::-1].index("plugins")
    category = "/".join(parts[index + 1:-1])
    stem = parts[-1].split(".")[0]
    stem = stem.removeprefix("lib")
    return f"{category}/{stem}"


def keep_qt_plugin(dest: str) -> bool:
    key = plugin_key(dest)
    return key is None or not any(fnmatchcase(key, pattern) for pattern in EXCLUDED_QT_PLUGINS)


def keep_file(dest: str) -> bool:
    """Whether a collected data file or binary (by bundle destination) stays in the app."""
    dest = _posix(dest)
    if dest in KEPT_FILES:
        return True
    if any(fnmatchcase(dest, pattern) for pattern in EXCLUDED_FILES):
        return False
    return keep_qt_plugin(dest)


def filter_toc(toc):
    """A PyInstaller TOC (dest, src, typecode) without the entries `keep_file` refuses."""
    return [entry for entry in toc if keep_file(entry[0])]


# torch's PyInstaller hook ships every torch module twice: compiled in the archive, and as a
# .py file (46 MB) because torch reads some of its own source when they are imported (config
# modules through install_config_module, TorchScript overload declarations). The app needs the
# source only of modules it imports; `import_probe.py` lists those.
SOURCE_READERS = ("install_config_module(",)


def torch_module_name(dest: str) -> str | None:
    """'torch.nn.functional' for 'torch/nn/functional.py'; None for anything else."""
    dest = _posix(dest)
    if not (dest.startswith("torch/") and dest.endswith(".py")):
        return None
    name = dest[:-3].replace("/", ".")
    return name.removesuffix(".__init__")


def keep_torch_source(dest: str, src: str, imported: set[str]) -> bool:
    """Keep a torch .py source if the app imports the module, or if it reads its own source."""
    name = torch_module_name(dest)
    if name is None or name in imported:
        return True
    try:
        with open(src, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return True
    return any(marker in text for marker in SOURCE_READERS)
