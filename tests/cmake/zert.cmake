# zERT event and aggregation rules on real captures (tests/tools/zert_events.py).
add_test(NAME zert.events
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/zert_events.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR} ${ZS_CORPUS})
