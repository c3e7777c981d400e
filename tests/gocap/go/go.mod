module example.com/gocoredump/gocap

go 1.19
