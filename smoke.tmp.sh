#!/bin/sh
python3 -c '
import mmap,time
m=mmap.mmap(-1, 64<<20)
for i in range(0, 64<<20, 2<<20): m[i:i+1]=b"x"
print("ready", flush=True); time.sleep(100)' &
Q=$!
sleep 4
insmod module/mmuscope.ko target_pid=$Q
D=/sys/kernel/debug/mmuscope
cat $D/$Q/summary; grep VmPTE /proc/$Q/status
cat $D/$Q/summary; 
dmesg | grep "target $Q"
