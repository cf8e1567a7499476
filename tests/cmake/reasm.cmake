# reasm.cmake - TCP reassembly on generated captures (pcaps/make-tcp-ooo-tiny.py, issue 10 point 3):
# exact bytes and bounded cost with 200 000 tiny out-of-order segments, honest caps.
add_test(NAME reasm.ooo_tiny
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/check_tcp_ooo.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR})
set_tests_properties(reasm.ooo_tiny PROPERTIES TIMEOUT 900)
