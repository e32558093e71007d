// A shared library that registers no storage: loading it as a plugin is an error.
extern "C" int limitsd_test_empty_plugin_marker() { return 42; }
