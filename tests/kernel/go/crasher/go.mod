module example.com/gocoredump/crasher

go 1.19
