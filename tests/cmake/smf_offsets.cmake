# smf_offsets.cmake - golden binary test of the SMF 119 zERT records: for a TLS 1.2, a TLS 1.3,
# an SSH, an IKEv2 and an EE connection (and one subtype 12 summary of each), named fields are
# read from the written zert.smf at the offsets of smf119-zert.md, without the project's reader,
# and compared with the spec, the capture (tshark) and the JSON record of the same run.
# tshark and python3 are required (conf/install-deps.sh --test): a missing oracle fails the test.
add_test(NAME smf.offsets
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/smf_offsets.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR} ${ZS_CORPUS})
set_tests_properties(smf.offsets PROPERTIES TIMEOUT 300)
