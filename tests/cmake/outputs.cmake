# Output files: planted links refused, modes whatever the umask, replacement, cleanup
# (tests/tools/outputs.sh, on a capture of pcaps/).
add_test(NAME outputs.files
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/outputs.sh $<TARGET_FILE:zertsensor>
                 ${CMAKE_SOURCE_DIR}/pcaps/quickstart.pcap)
