# House style checks that a grep can do (tests/tools/check_cursor_only.sh).
add_test(NAME style.cursor_only
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/check_cursor_only.sh ${CMAKE_SOURCE_DIR})
