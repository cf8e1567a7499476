# zERT event and aggregation rules on real captures (tests/tools/zert_events.py).
add_test(NAME zert.events
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/zert_events.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR} ${ZS_CORPUS})
# Every corpus capture: zertdump DIR/zert.smf reproduces DIR/records.jsonl (tests/tools/zert_roundtrip.py).
add_test(NAME zert.roundtrip
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/zert_roundtrip.py $<TARGET_FILE:zertsensor>
                 $<TARGET_FILE:zertdump> ${ZS_CORPUS})
set_tests_properties(zert.roundtrip PROPERTIES TIMEOUT 1200)
# --stats: the security sessions by protection (created and alive at the end) and the unknown
# connections, exact on captures of every kind and as the records show them (issue 13).
add_test(NAME stats.sessions
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/session_stats.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR} ${ZS_CORPUS})
set_tests_properties(stats.sessions PROPERTIES SKIP_RETURN_CODE 77)
