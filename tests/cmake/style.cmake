# House style checks that a grep can do (tests/tools/check_cursor_only.sh).
add_test(NAME style.cursor_only
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/check_cursor_only.sh ${CMAKE_SOURCE_DIR})
# The layers' dependency rules (HACKING.md, Layers), and proof that a planted violation fails.
add_test(NAME style.layers
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/check_layers.sh --self-test ${CMAKE_SOURCE_DIR})
