module example.com/gocapd

go 1.19
