// Command probe is the lab's workload image for east's node: a static binary that serves,
// fetches and resolves, so tests can watch Service traffic and DNS from inside a pod.
//
//	probe serve ADDR TEXT   answer every HTTP request with TEXT and the pod's hostname
//	probe STEP...           steps in order, each a verb and its arguments:
//	  get URL...            print each URL's body, retrying for up to 60 s, or "URL: no answer"
//	  lookup NAME...        print each name's addresses, or "NAME: not resolved: ..."
//
// After the last step it prints "done" and waits to be stopped, so the pod stays Running and its
// log readable.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "serve" {
		serve(os.Args[2], os.Args[3])
	}
	verb := ""
	for _, arg := range os.Args[1:] {
		switch arg {
		case "get", "lookup":
			verb = arg
			continue
		}
		switch verb {
		case "get":
			get(arg)
		case "lookup":
			lookup(arg)
		default:
			fmt.Fprintln(os.Stderr, "usage: probe serve ADDR TEXT | probe [get URL...] [lookup NAME...]")
			os.Exit(2)
		}
	}
	fmt.Println("done")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

func serve(addr, text string) {
	host, _ := os.Hostname()
	err := http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, text, host)
	}))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func get(url string) {
	client := http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		resp, err := client.Get(url)
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s: %s", url, body)
		return
	}
	fmt.Printf("%s: no answer\n", url)
}

func lookup(name string) {
	addrs, err := net.LookupHost(name)
	if err != nil {
		fmt.Printf("%s: not resolved: %v\n", name, err)
		return
	}
	fmt.Printf("%s: %v\n", name, addrs)
}
