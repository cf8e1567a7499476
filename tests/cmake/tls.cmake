# tls.cmake - TLS dissector tests: comparisons with tshark and Zeek, STARTTLS, renegotiation.
# tshark and python3 are required (conf/install-deps.sh --test): a missing oracle fails the test.
add_test(NAME tls.cases
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/check_tls_cases.py
                 --sensor ${ZS_BIN} --corpus ${ZS_CORPUS} --source ${CMAKE_SOURCE_DIR})
add_test(NAME tls.zeek
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/compare_tls_zeek.py
                 --sensor ${ZS_BIN} --corpus ${ZS_CORPUS})
add_test(NAME tls.tshark
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/compare_tls_tshark.py
                 --sensor ${ZS_BIN} --corpus ${ZS_CORPUS})
set_tests_properties(tls.tshark PROPERTIES TIMEOUT 900)
set_tests_properties(tls.zeek tls.cases PROPERTIES TIMEOUT 600)
