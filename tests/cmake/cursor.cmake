# cursor.cmake - tests/unit/test_cursor.c again, built by clang with UBSan made fatal.
# GCC's UBSan (the asan preset) does not report pointer arithmetic on NULL ("applying zero
# offset to null pointer"), which clang's does: the fuzz campaign found exactly that in
# cursor.h. cursor.h is header-only, so the unit test builds on its own in a second.
find_program(ZS_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
if(ZS_CLANG)
  set(_cursor_bin ${CMAKE_CURRENT_BINARY_DIR}/test_cursor_clang_ubsan)
  add_test(NAME unit.cursor_clang_ubsan
           COMMAND sh -c "\"$0\" -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g \
-fsanitize=undefined,address -fno-sanitize-recover=all -o \"$1\" \"$2\" && \"$1\""
                   ${ZS_CLANG} ${_cursor_bin} ${CMAKE_SOURCE_DIR}/tests/unit/test_cursor.c)
else()
  message(STATUS "clang not found: unit.cursor_clang_ubsan is not run")
endif()
