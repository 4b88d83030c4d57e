"""What the packaged app leaves out (packaging/bundle_rules.py), without building it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle_rules
from bundle_rules import keep_file, keep_torch_source, plugin_key, torch_module_name


@pytest.mark.parametrize("dest", [
    "torch/test/op_registration_test",
    "torch/bin/protoc",
    "torch/bin/test_api",
    "torch/include/ATen/ATen.h",
    "torch/share/cmake/Torch/TorchConfig.cmake",
    "torch/lib/libtorchbind_test.so",
    "torch/lib/libjitbackend_test.so",
    "torch/lib/libdnnl.a",
    "torch/_C/__init__.pyi",
    "PySide6/Qt/translations/qtbase_de.qm",
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/sqldrivers/libqsqlpsql.so",
    "PySide6/Qt/plugins/tls/libqopensslbackend.so",
    "PySide6/Qt/plugins/imageformats/libqpdf.so",
    "PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-kms-integration.so",
    "PySide6/plugins/platforms/qdirect2d.dll",  # Windows wheel layout
])
def test_left_out(dest):
    assert not keep_file(dest)


@pytest.mark.parametrize("dest", [
    "torch/bin/torch_shm_manager",  # torch checks that it exists when imported
    "torch/lib/libtorch_cpu.so",
    "torch/lib/libgomp.so.1",
    "torch/_inductor/kernel/flex/templates/flex_attention.py.jinja",
    "designer/resources/lr-designer.svg",
    "designer/examples/one-cycle.json",
    "PySide6/Qt/lib/libQt6Svg.so.6",
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",  # headless screenshots, the smoke test
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
    "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so",  # the window icon is an SVG
    "PySide6/Qt/plugins/imageformats/libqsvg.so",
    "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
    "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
    "PySide6/Qt/plugins/wayland-decoration-client/libadwaita.so",
    "designer/resources/fonts/JetBrainsMono-Regular.ttf",  # the code view's font
    "designer/resources/fonts/OFL.txt",  # and its license
])
def test_kept(dest):
    assert keep_file(dest)


def test_plugin_key_ignores_prefix_suffix_and_platform():
    assert plugin_key("PySide6/Qt/plugins/platforms/libqxcb.so") == "platforms/qxcb"
    assert plugin_key("PySide6\\plugins\\platforms\\qwindows.dll") == "platforms/qwindows"
    assert plugin_key("PySide6/Qt/lib/libQt6Core.so.6") is None


def test_filter_toc_keeps_entry_shape():
    toc = [("torch/test/x", "/src/x", "DATA"), ("torch/lib/libc10.so", "/src/c10", "BINARY")]
    assert bundle_rules.filter_toc(toc) == [toc[1]]


def test_module_excludes_are_dotted_names():
    # Module excludes are dotted names; a slash or a suffix would silently match nothing.
    for name in bundle_rules.EXCLUDED_MODULES:
        assert "/" not in name and not name.endswith(".py"), name


def test_torch_module_names():
    assert torch_module_name("torch/nn/functional.py") == "torch.nn.functional"
    assert torch_module_name("torch/optim/__init__.py") == "torch.optim"
    assert torch_module_name("torch/_inductor/kernel/flex/templates/common.py.jinja") is None
    assert torch_module_name("numpy/core/__init__.py") is None


def test_torch_sources_kept_for_imported_modules_and_config_modules(tmp_path):
    plain = tmp_path / "plain.py"
    plain.write_text("x = 1\n")
    config = tmp_path / "config.py"
    config.write_text("from torch.utils._config_module import install_config_module\n"
                      "install_config_module(sys.modules[__name__])\n")
    imported = {"torch.optim.lr_scheduler"}
    assert keep_torch_source("torch/optim/lr_scheduler.py", str(plain), imported)
    assert not keep_torch_source("torch/onnx/_internal/thing.py", str(plain), imported)
    # torch reads a config module's source when it is imported, whoever imports it
    assert keep_torch_source("torch/_some/config.py", str(config), imported)
    assert keep_torch_source("designer/cli.py", str(plain), imported)  # not torch: untouched


def test_stripped_libraries_avoid_patchelf_rewritten_ones():
    # strip corrupts auditwheel-repaired libraries (numpy.libs/...): never list those.
    for pattern in bundle_rules.STRIPPED_LIBRARIES:
        assert ".libs/" not in pattern, pattern


def test_unused_packages_are_those_the_app_never_imports():
    imported = {"torch", "torch.optim", "numpy", "PySide6.QtCore", "designer.cli", "json"}
    installed = {"torch", "numpy", "PySide6", "transformers", "networkx", "designer",
                 "_yaml", "not-a-module"}
    assert bundle_rules.unused_packages(imported, installed) == ["_yaml", "networkx",
                                                                 "transformers"]
    # The app's own package stays even if a probe run never imported it.
    assert "designer" not in bundle_rules.unused_packages(set(), {"designer"})


def test_cuda_runtimes_are_left_out_wherever_they_land():
    assert not keep_file("libcudart.so")
    assert not keep_file("torch/lib/libcudnn.so.9")
    assert keep_file("libcrypto.so.3")
