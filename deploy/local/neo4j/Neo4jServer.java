// Runs an embedded Neo4j 5 database with a Bolt connector on loopback, for machines
// without Docker. The local stack script compiles this against the jars Maven fetched.
// Usage: java -cp 'lib/*:.' Neo4jServer <dataDir> <boltPort>
import java.nio.file.Path;
import java.time.Duration;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public final class Neo4jServer {
  public static void main(String[] args) throws Exception {
    Path home = Path.of(args.length > 0 ? args[0] : "neo4j-data").toAbsolutePath();
    int boltPort = args.length > 1 ? Integer.parseInt(args[1]) : 7687;

    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", boltPort))
        .setConfig(HttpConnector.enabled, false)
        .setConfig(GraphDatabaseSettings.auth_enabled, false)
        .setConfig(GraphDatabaseSettings.pagecache_memory, 256L * 1024 * 1024)
        .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(5))
        .build();
    dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME); // fail fast if it cannot open

    Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));
    System.out.println("neo4j ready: bolt://127.0.0.1:" + boltPort + " data=" + home);
    Thread.currentThread().join();
  }
}
