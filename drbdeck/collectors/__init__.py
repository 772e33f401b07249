"""Turn what nodes print (events2, LVM reports, /proc) into typed state."""
