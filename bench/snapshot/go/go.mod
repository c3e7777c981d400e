module example.com/gocoredump/bench/snapshot

go 1.19
