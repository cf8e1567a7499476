# Output files: planted links refused, modes whatever the umask, replacement, cleanup
# (tests/tools/outputs.sh, on a capture of pcaps/).
add_test(NAME outputs.files
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/outputs.sh $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR}/pcaps/quickstart.pcap)

# The records writer's queue driven past its size (waits counted, nothing lost, same bytes),
# and a mapped capture file truncated while it is read (tests/tools/records_queue.py).
add_test(NAME outputs.records_queue
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/records_queue.py $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR}/bench/gen_idle.py ${CMAKE_CURRENT_BINARY_DIR}/records_queue)
