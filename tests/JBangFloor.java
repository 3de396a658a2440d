///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8
//DEPS info.picocli:picocli:4.7.7
//DEPS com.konghq:unirest-java-core:4.10.1
//DEPS com.konghq:unirest-modules-gson:4.10.1
//DEPS com.google.code.gson:gson:2.13.2
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
//DESCRIPTION JBang's own floor for the benchmark: a hello-world with login.java's dependencies and JVM options.

public class JBangFloor {
    public static void main(String[] args) {
        System.out.println("hello");
    }
}
