using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Recommender.Data;

#nullable disable

namespace Recommender.Data.Postgres.Migrations
{
    /// <summary>
    /// The tables through which a trainer outside the service (a Spark MLlib ALS job) publishes a model
    /// (<see cref="ExternalModelStore"/>): user and item factors keyed by a batch id, in the types Spark's JDBC writer
    /// produces (<c>text</c> ids, <c>real[]</c> features), and <c>external_models</c>, the row the job inserts last to
    /// say a batch is complete, on which the service records what it did with the batch. Plain SQL, outside the EF Core
    /// model, like the cluster's tables.
    /// </summary>
    [DbContext(typeof(RecommenderDbContext))]
    [Migration("20261202040000_ExternalModels")]
    public partial class ExternalModels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE external_user_factors (
                    batch_id text NOT NULL,
                    user_id text NOT NULL,
                    features real[] NOT NULL,
                    PRIMARY KEY (batch_id, user_id));
                CREATE TABLE external_item_factors (
                    batch_id text NOT NULL,
                    item_id text NOT NULL,
                    features real[] NOT NULL,
                    PRIMARY KEY (batch_id, item_id));
                CREATE TABLE external_models (
                    batch_id text PRIMARY KEY,
                    rank integer NOT NULL,
                    algorithm text NOT NULL DEFAULT 'Spark MLlib ALS',
                    implicit_prefs boolean NOT NULL DEFAULT false,
                    reg_param double precision,
                    max_iter integer,
                    dot_product boolean NOT NULL DEFAULT true,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    state text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'published', 'rejected', 'superseded')),
                    reason text,
                    version bigint,
                    processed_at timestamptz);
                CREATE INDEX external_models_ready ON external_models (created_at) WHERE state = 'ready';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE external_models; DROP TABLE external_item_factors; DROP TABLE external_user_factors;");
        }
    }
}
