using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Recommender.Data;

#nullable disable

namespace Recommender.Data.Postgres.Migrations
{
    /// <summary>
    /// The tables that let several nodes share one store (<see cref="ClusterStore"/>): immutable snapshots in chunks, the
    /// <c>model_current</c> pointer, and the trainer lock's fencing epoch. Plain SQL, outside the EF Core model: only
    /// <see cref="ClusterStore"/> reads and writes them, and SQLite has no use for them.
    /// </summary>
    [DbContext(typeof(RecommenderDbContext))]
    [Migration("20261202013000_Cluster")]
    public partial class Cluster : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE model_snapshots (
                    version bigint PRIMARY KEY,
                    length bigint NOT NULL,
                    checksum text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now());
                CREATE TABLE model_snapshot_chunks (
                    version bigint NOT NULL,
                    chunk integer NOT NULL,
                    data bytea NOT NULL,
                    PRIMARY KEY (version, chunk));
                CREATE TABLE model_current (
                    id integer PRIMARY KEY CHECK (id = 1),
                    version bigint NOT NULL,
                    epoch bigint NOT NULL,
                    updated_at timestamptz NOT NULL);
                INSERT INTO model_current VALUES (1, 0, 0, now());
                CREATE TABLE trainer_lease (
                    id integer PRIMARY KEY CHECK (id = 1),
                    epoch bigint NOT NULL,
                    holder text,
                    acquired_at timestamptz);
                INSERT INTO trainer_lease VALUES (1, 0, NULL, NULL);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE trainer_lease; DROP TABLE model_current; DROP TABLE model_snapshot_chunks; DROP TABLE model_snapshots;");
        }
    }
}
